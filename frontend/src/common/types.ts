// The API's shapes, as the server declares them: aliases of the types generated from its OpenAPI document
// (src/api/schema.d.ts, written by `make api-types`). Never describe an API object here by hand.
import type { components } from "../api/schema";

export type Schemas = components["schemas"];

export type Bilingual = Schemas["Bilingual"];
export type ChallengeColumn = Schemas["ColumnRule"];
export type Challenge = Schemas["ChallengeOut"];
export type Submission = Schemas["SubmissionOut"];
export type LeaderboardRow = Schemas["BoardRow"];
export type Quota = Schemas["QuotaOut"];
