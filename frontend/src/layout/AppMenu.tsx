import EmojiEventsIcon from "@mui/icons-material/EmojiEvents";
import LeaderboardIcon from "@mui/icons-material/Leaderboard";
import ListAltIcon from "@mui/icons-material/ListAlt";
import CloudUploadIcon from "@mui/icons-material/CloudUpload";
import Inventory2Icon from "@mui/icons-material/Inventory2";
import DownloadForOfflineIcon from "@mui/icons-material/DownloadForOffline";
import PeopleIcon from "@mui/icons-material/People";
import GroupsIcon from "@mui/icons-material/Groups";
import MapIcon from "@mui/icons-material/Map";
import HistoryIcon from "@mui/icons-material/History";
import QueueIcon from "@mui/icons-material/Queue";
import GavelIcon from "@mui/icons-material/Gavel";
import FactCheckIcon from "@mui/icons-material/FactCheck";
import FolderZipIcon from "@mui/icons-material/FolderZip";
import WebhookIcon from "@mui/icons-material/Webhook";
import { Menu, useTranslate } from "react-admin";
import { canUseRegistry, useRole } from "../common/usePermissionsRole";

/**
 * The menu follows the role and shows only what the API lets that role use: teams submit, districts pull,
 * admins administer (the registry refuses teams, so teams do not see 模型库 or 区县使用).
 */
export function AppMenu() {
  const translate = useTranslate();
  const role = useRole();
  const item = (to: string, key: string, icon: React.ReactNode, testId: string) => (
    <Menu.Item to={to} primaryText={translate(key)} leftIcon={icon} data-testid={testId} />
  );
  return (
    <Menu>
      {item("/challenges", "dabiwu.menu.challenges", <EmojiEventsIcon />, "menu-challenges")}
      {item("/leaderboard", "dabiwu.menu.leaderboard", <LeaderboardIcon />, "menu-leaderboard")}
      {role === "team" && item("/submissions", "dabiwu.menu.my_submissions", <ListAltIcon />, "menu-submissions")}
      {role === "team" && item("/submit", "dabiwu.menu.submit", <CloudUploadIcon />, "menu-submit")}
      {(role === "judge" || role === "admin") && item("/submissions", "dabiwu.menu.submissions", <ListAltIcon />, "menu-submissions")}
      {(role === "judge" || role === "admin") && item("/judging", "dabiwu.menu.judging", <GavelIcon />, "menu-judging")}
      {canUseRegistry(role) && item("/registry", "dabiwu.menu.registry", <Inventory2Icon />, "menu-registry")}
      {role === "district" && item("/leads", "dabiwu.menu.leads", <FactCheckIcon />, "menu-leads")}
      {canUseRegistry(role) && item("/district-use", "dabiwu.menu.district_use", <DownloadForOfflineIcon />, "menu-district-use")}
      {role === "admin" && item("/users", "dabiwu.menu.users", <PeopleIcon />, "menu-users")}
      {role === "admin" && item("/teams", "dabiwu.menu.teams", <GroupsIcon />, "menu-teams")}
      {role === "admin" && item("/districts", "dabiwu.menu.districts", <MapIcon />, "menu-districts")}
      {role === "admin" && item("/audit", "dabiwu.menu.audit", <HistoryIcon />, "menu-audit")}
      {role === "admin" && item("/admin/bundles", "dabiwu.menu.bundles", <FolderZipIcon />, "menu-bundles")}
      {role === "admin" && item("/admin/queue", "dabiwu.menu.queue", <QueueIcon />, "menu-queue")}
      {role === "admin" && item("/admin/webhooks", "dabiwu.menu.webhooks", <WebhookIcon />, "menu-webhooks")}
    </Menu>
  );
}
