import { Button, Stack } from "@mui/material";
import DownloadIcon from "@mui/icons-material/Download";
import { useState } from "react";
import { useNotify, useTranslate } from "react-admin";
import { downloadWithToken } from "../api/download";
import { errorText } from "../api/http";

interface Item {
  key: string;
  label: string;
  path: string;
  fallback: string;
}

export function DownloadButtons({ slug }: { slug: string }) {
  const translate = useTranslate();
  const notify = useNotify();
  const [busy, setBusy] = useState<string | null>(null);
  const base = `/challenges/${encodeURIComponent(slug)}`;
  const items: Item[] = [
    { key: "train-parquet", label: "dabiwu.challenge.download_parquet", path: `${base}/data/train`, fallback: `${slug}-train.parquet` },
    { key: "train-csv", label: "dabiwu.challenge.download_csv", path: `${base}/data/train?format=csv`, fallback: `${slug}-train.csv` },
    { key: "starting-kit", label: "dabiwu.challenge.download_kit", path: `${base}/starting-kit`, fallback: `${slug}-starting-kit.zip` },
  ];

  const download = async (item: Item) => {
    setBusy(item.key);
    try {
      const name = await downloadWithToken(item.path, item.fallback);
      notify(translate("dabiwu.challenge.downloaded", { name }), { type: "success" });
    } catch (err) {
      notify(errorText(err), { type: "error" });
    } finally {
      setBusy(null);
    }
  };

  return (
    <Stack direction="row" spacing={1} flexWrap="wrap" useFlexGap>
      {items.map((item) => (
        <Button
          key={item.key}
          variant="outlined"
          size="small"
          startIcon={<DownloadIcon />}
          disabled={busy !== null}
          data-testid={`download-${item.key}`}
          onClick={() => void download(item)}
        >
          {busy === item.key ? translate("dabiwu.challenge.downloading") : translate(item.label)}
        </Button>
      ))}
    </Stack>
  );
}
