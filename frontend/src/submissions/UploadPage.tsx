import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  LinearProgress,
  MenuItem,
  Stack,
  TextField,
  Typography,
} from "@mui/material";
import CloudUploadIcon from "@mui/icons-material/CloudUpload";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState, type DragEvent } from "react";
import { Title, useGetList, useLocaleState, useTranslate } from "react-admin";
import { Link, useNavigate, useParams } from "react-router-dom";
import { apiGet, errorStatus, errorText } from "../api/http";
import { uploadSubmission, type UploadAccepted } from "../api/upload";
import { EmptyState, ErrorState, Loading } from "../common/States";
import { StatusChip } from "../common/StatusChip";
import { formatBytes, localized } from "../common/text";
import type { Challenge, Quota } from "../common/types";
import { useLiveSubmission } from "./useLiveSubmission";

const ACCEPT = ".zip,.tar.gz,.tgz,application/zip,application/gzip,application/x-gzip";

function QuotaLine({ slug, version }: { slug: string; version: number }) {
  const translate = useTranslate();
  const quota = useQuery({
    queryKey: ["quota", slug, version],
    queryFn: () => apiGet<Quota>(`/challenges/${encodeURIComponent(slug)}/quota`),
    retry: false,
  });
  if (quota.isPending) return <Loading testId="quota-loading" />;
  if (quota.isError) {
    return (
      <Typography variant="body2" color="text.secondary" data-testid="quota-left" data-left="">
        {errorStatus(quota.error) === 404 ? translate("dabiwu.upload.quota_unknown") : errorText(quota.error)}
      </Typography>
    );
  }
  const { left, limit } = quota.data;
  return (
    <Alert severity={left > 0 ? "info" : "warning"} data-testid="quota-left" data-left={left} sx={{ py: 0 }}>
      {translate("dabiwu.upload.quota_left", { left, limit })}
    </Alert>
  );
}

function AcceptedStatus({ accepted }: { accepted: UploadAccepted }) {
  const translate = useTranslate();
  const live = useLiveSubmission(accepted.id, accepted.status);
  return (
    <Alert severity="success" data-testid="upload-success" data-submission-id={accepted.id}>
      <Stack direction="row" spacing={1} alignItems="center" flexWrap="wrap" useFlexGap>
        <span>{translate("dabiwu.upload.success", { id: accepted.id.slice(0, 8) })}</span>
        <StatusChip status={live.status ?? accepted.status} testId="upload-status" />
        <Link to={`/submissions/${encodeURIComponent(accepted.id)}/show`} data-testid="upload-submission-link">
          {translate("dabiwu.upload.view")}
        </Link>
      </Stack>
    </Alert>
  );
}

function UploadForm({ challenge }: { challenge: Challenge }) {
  const translate = useTranslate();
  const slug = challenge.slug;
  const [file, setFile] = useState<File | null>(null);
  const [description, setDescription] = useState("");
  const [dragging, setDragging] = useState(false);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [accepted, setAccepted] = useState<UploadAccepted | null>(null);
  const [quotaVersion, setQuotaVersion] = useState(0);
  const [busy, setBusy] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const maxMb = challenge.limits.max_model_mb;

  useEffect(() => {
    setFile(null);
    setError(null);
    setAccepted(null);
    setProgress(null);
    if (inputRef.current) inputRef.current.value = "";
  }, [slug]);

  const choose = (chosen: File | null) => {
    setFile(chosen);
    setError(null);
    setAccepted(null);
    setProgress(null);
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    const dropped = event.dataTransfer.files?.[0];
    if (dropped) choose(dropped);
  };

  const submit = async () => {
    if (!file) {
      setError(translate("dabiwu.upload.need_file"));
      return;
    }
    if (maxMb && file.size > maxMb * 1024 * 1024) {
      setError(translate("dabiwu.upload.too_large", { size: formatBytes(file.size), max: maxMb }));
      return;
    }
    setError(null);
    setAccepted(null);
    setProgress(0);
    setBusy(true);
    try {
      const answer = await uploadSubmission({ slug, file, description: description.trim(), onProgress: setProgress });
      setAccepted(answer);
      setFile(null);
      if (inputRef.current) inputRef.current.value = "";
    } catch (err) {
      setError(errorText(err));
      setProgress(null);
    } finally {
      setBusy(false);
      setQuotaVersion((v) => v + 1);
    }
  };

  const uploading = busy;

  return (
    <Stack spacing={2}>
      <QuotaLine slug={slug} version={quotaVersion} />
      {challenge.phase && challenge.phase !== "open" && (
        <Alert severity="warning" data-testid="upload-phase-warning">
          {translate("dabiwu.upload.phase_not_open", { phase: translate(`dabiwu.phase.${challenge.phase}`, { _: challenge.phase }) })}
        </Alert>
      )}
      <Box
        data-testid="submission-dropzone"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        sx={{
          border: "2px dashed",
          borderColor: dragging ? "primary.main" : "divider",
          bgcolor: dragging ? "action.hover" : "background.paper",
          borderRadius: 2,
          p: 4,
          textAlign: "center",
          transition: "all 120ms",
        }}
      >
        <CloudUploadIcon sx={{ fontSize: 48, color: "text.secondary" }} />
        <Typography variant="body1">{translate("dabiwu.upload.drop_here")}</Typography>
        <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
          {translate("dabiwu.upload.hint", { max: maxMb ?? "?" })}
        </Typography>
        <Typography variant="body2" sx={{ mb: 1 }}>
          {translate("dabiwu.upload.or_choose")}
        </Typography>
        <input
          ref={inputRef}
          type="file"
          accept={ACCEPT}
          data-testid="submission-file"
          aria-label={translate("dabiwu.upload.or_choose")}
          onChange={(e) => choose(e.target.files?.[0] ?? null)}
        />
        {file && (
          <Typography variant="body2" sx={{ mt: 1 }} data-testid="submission-file-chosen">
            {translate("dabiwu.upload.selected", { name: file.name, size: formatBytes(file.size) })}
          </Typography>
        )}
      </Box>
      <TextField
        label={translate("dabiwu.upload.description")}
        value={description}
        onChange={(e) => setDescription(e.target.value)}
        size="small"
        fullWidth
        slotProps={{ htmlInput: { maxLength: 500, "data-testid": "submission-description" } }}
      />
      <Box>
        <Button
          variant="contained"
          startIcon={<CloudUploadIcon />}
          onClick={() => void submit()}
          disabled={uploading || !file}
          data-testid="submission-upload"
        >
          {uploading ? translate("dabiwu.upload.uploading") : translate("dabiwu.upload.submit")}
        </Button>
      </Box>
      {progress !== null && (
        <Box data-testid="upload-progress" data-progress={Math.round(progress * 100)}>
          <LinearProgress variant="determinate" value={progress * 100} />
          <Typography variant="caption">
            {Math.round(progress * 100)}%{busy && progress >= 1 ? ` · ${translate("dabiwu.upload.validating")}` : ""}
          </Typography>
        </Box>
      )}
      {error && (
        <Alert severity="error" data-testid="upload-error">
          {error}
        </Alert>
      )}
      {accepted && <AcceptedStatus accepted={accepted} />}
    </Stack>
  );
}

export function UploadPage() {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const navigate = useNavigate();
  const { slug } = useParams<{ slug?: string }>();
  const { data, isPending, error } = useGetList<Challenge>("challenges", { pagination: { page: 1, perPage: 100 } });
  const challenges = data ?? [];
  const current =
    challenges.find((c) => c.slug === slug) ?? (slug ? undefined : (challenges.find((c) => c.phase === "open") ?? challenges[0]));

  return (
    <Box sx={{ mt: 2 }} data-testid="upload-page">
      <Title title={translate("dabiwu.upload.title")} />
      <Card>
        <CardContent>
          <Typography variant="h5" gutterBottom>
            {translate("dabiwu.upload.title")}
          </Typography>
          {isPending ? (
            <Loading />
          ) : error ? (
            <ErrorState error={error} />
          ) : !challenges.length ? (
            <EmptyState message={translate("dabiwu.challenge.empty")} />
          ) : (
            <Stack spacing={2}>
              <TextField
                select
                size="small"
                label={translate("dabiwu.upload.choose_challenge")}
                value={current ? current.slug : ""}
                onChange={(e) => navigate(`/submit/${e.target.value}`)}
                slotProps={{ htmlInput: { "data-testid": "upload-challenge-select" } }}
                sx={{ maxWidth: 480 }}
              >
                {challenges.map((c) => (
                  <MenuItem key={c.id} value={c.slug}>
                    {localized(c as unknown as Record<string, unknown>, "title", locale)}
                  </MenuItem>
                ))}
              </TextField>
              {current ? (
                <UploadForm challenge={current} />
              ) : (
                <Alert severity="error">{translate("dabiwu.upload.unknown_challenge", { slug: slug ?? "" })}</Alert>
              )}
            </Stack>
          )}
        </CardContent>
      </Card>
    </Box>
  );
}
