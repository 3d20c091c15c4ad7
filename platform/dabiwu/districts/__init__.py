"""The district side: the lead review queue (线索 → 核查中 → 立案 / 不立案 → 监督文书 → 整改完毕) and the field
board that ranks listed models by what districts found.  Reads the registry's tables from dabiwu.db only."""
