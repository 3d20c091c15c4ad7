import { Box, Button, Menu, MenuItem } from "@mui/material";
import TranslateIcon from "@mui/icons-material/Translate";
import ExpandMoreIcon from "@mui/icons-material/ExpandMore";
import { useState, type MouseEvent } from "react";
import { useLocaleState, useLocales } from "react-admin";

/**
 * react-admin's LocalesMenuButton, re-made so the button itself carries
 * data-testid="locale-switch" (the stock one passes no props through).
 */
export function LocaleSwitch({ color = "inherit" }: { color?: "inherit" | "primary" }) {
  const locales = useLocales();
  const [locale, setLocale] = useLocaleState();
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const current = locales.find((l) => l.locale === locale)?.name ?? locale;
  return (
    <>
      <Button
        color={color}
        variant="text"
        data-testid="locale-switch"
        data-locale={locale}
        aria-haspopup="true"
        aria-controls="locale-menu"
        startIcon={<TranslateIcon />}
        endIcon={<ExpandMoreIcon fontSize="small" />}
        onClick={(event: MouseEvent<HTMLElement>) => setAnchor(event.currentTarget)}
      >
        <Box component="span" sx={{ display: { xs: "none", sm: "inline" } }}>
          {current}
        </Box>
      </Button>
      <Menu id="locale-menu" anchorEl={anchor} open={Boolean(anchor)} onClose={() => setAnchor(null)}>
        {locales.map((l) => (
          <MenuItem
            key={l.locale}
            selected={l.locale === locale}
            data-testid={`locale-${l.locale}`}
            onClick={() => {
              setLocale(l.locale);
              setAnchor(null);
            }}
          >
            {l.name}
          </MenuItem>
        ))}
      </Menu>
    </>
  );
}
