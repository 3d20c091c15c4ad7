import { Admin, CustomRoutes, Resource } from "react-admin";
import { Route, RouterProvider, createHashRouter } from "react-router-dom";
import EmojiEventsIcon from "@mui/icons-material/EmojiEvents";
import ListAltIcon from "@mui/icons-material/ListAlt";
import { authProvider } from "./api/authProvider";
import { dataProvider } from "./api/dataProvider";
import type { Role } from "./api/http";
import { AuditList } from "./admin/Audit";
import { BundlesPage } from "./admin/BundlesPage";
import { DistrictCreate, DistrictList } from "./admin/Districts";
import { QueuePage } from "./admin/QueuePage";
import { TeamList } from "./admin/Teams";
import { UserCreate, UserList } from "./admin/Users";
import { WebhookDetailPage } from "./admin/WebhookDetailPage";
import { WebhooksPage } from "./admin/WebhooksPage";
import { ChallengeList } from "./challenges/ChallengeList";
import { ChallengeShow } from "./challenges/ChallengeShow";
import { RoleOnly } from "./common/RoleOnly";
import { i18nProvider } from "./i18n/i18nProvider";
import { Layout } from "./layout/Layout";
import { LoadingPage } from "./layout/LoadingPage";
import { LoginPage } from "./layout/LoginPage";
import { theme } from "./layout/theme";
import { JudgingPage } from "./judging/JudgingPage";
import { LeadDetailPage } from "./leads/LeadDetailPage";
import { LeadQueuePage } from "./leads/LeadQueuePage";
import { LeaderboardPage } from "./leaderboard/LeaderboardPage";
import { DistrictUsePage } from "./registry/DistrictUsePage";
import { ModelCardPage } from "./registry/ModelCardPage";
import { RegistryPage } from "./registry/RegistryPage";
import { SubmissionList } from "./submissions/SubmissionList";
import { SubmissionShow } from "./submissions/SubmissionShow";
import { UploadPage } from "./submissions/UploadPage";

const REGISTRY: Role[] = ["admin", "judge", "district"];

function DabiwuAdmin() {
  return (
    <Admin
      title="大比武"
      dataProvider={dataProvider}
      authProvider={authProvider}
      i18nProvider={i18nProvider}
      loginPage={LoginPage}
      loading={LoadingPage}
      layout={Layout}
      theme={theme}
      requireAuth
      disableTelemetry
    >
      {(role: Role | undefined) => (
        <>
          <Resource name="challenges" list={ChallengeList} show={ChallengeShow} icon={EmojiEventsIcon} />
          {role !== "district" && <Resource name="submissions" list={SubmissionList} show={SubmissionShow} icon={ListAltIcon} />}
          {role === "admin" && <Resource name="users" list={UserList} create={UserCreate} />}
          {role === "admin" && <Resource name="teams" list={TeamList} />}
          <Resource name="districts" list={role === "admin" ? DistrictList : undefined} create={role === "admin" ? DistrictCreate : undefined} />
          {role === "admin" && <Resource name="audit" list={AuditList} />}
          <CustomRoutes>
            <Route path="/leaderboard" element={<LeaderboardPage />} />
            <Route path="/leaderboard/:slug" element={<LeaderboardPage />} />
            <Route path="/submit" element={<RoleOnly roles={["team"]}><UploadPage /></RoleOnly>} />
            <Route path="/submit/:slug" element={<RoleOnly roles={["team"]}><UploadPage /></RoleOnly>} />
            <Route path="/registry" element={<RoleOnly roles={REGISTRY}><RegistryPage /></RoleOnly>} />
            <Route path="/leads" element={<RoleOnly roles={["district"]}><LeadQueuePage /></RoleOnly>} />
            <Route path="/leads/:id" element={<RoleOnly roles={["district"]}><LeadDetailPage /></RoleOnly>} />
            <Route path="/district-use" element={<RoleOnly roles={REGISTRY}><DistrictUsePage /></RoleOnly>} />
            <Route path="/admin/queue" element={<RoleOnly roles={["admin"]}><QueuePage /></RoleOnly>} />
            <Route path="/admin/bundles" element={<RoleOnly roles={["admin"]}><BundlesPage /></RoleOnly>} />
            <Route path="/admin/webhooks" element={<RoleOnly roles={["admin"]}><WebhooksPage /></RoleOnly>} />
            <Route path="/admin/webhooks/:id" element={<RoleOnly roles={["admin"]}><WebhookDetailPage /></RoleOnly>} />
            <Route path="/judging" element={<JudgingPage />} />
            <Route path="/judging/:slug" element={<JudgingPage />} />
            <Route path="/registry/:slug/:version" element={<RoleOnly roles={REGISTRY}><ModelCardPage /></RoleOnly>} />
          </CustomRoutes>
        </>
      )}
    </Admin>
  );
}

/**
 * A hash router made once, outside React. react-admin's own fallback (used when <Admin> is not inside a
 * router) builds a new hash router on every render of its wrapper; signed out, each new router missed the
 * previous one's redirect to #/login, and the logout -> redirect -> re-render cycle ran ~1,000 times
 * (~22,000 timers, a blank page for ~10 s) before the login form painted. Hash URLs keep deep links
 * working with any static server, and FastAPI's SPA fallback only ever serves index.html at "/".
 */
const router = createHashRouter([{ path: "*", element: <DabiwuAdmin /> }]);

export function App() {
  // Router updates are not transitions: signed out, react-admin's urgent re-renders (logout clears the query
  // cache) kept interrupting the transition that moves to #/login, so the redirect starved.
  return <RouterProvider router={router} useTransitions={false} />;
}
