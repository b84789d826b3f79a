// The navigation's unread count: items no one has looked at yet, across every account.
import { formatCount } from "../../lib/format";
import { useUnreadCounts } from "./counts";

export function InboxBadge() {
  const counts = useUnreadCounts();
  if (!counts || counts.totalUnread === 0) return null;
  const n = counts.totalUnread;
  return (
    <span class="badge count" id="inbox-unread-badge" aria-label={`${n} unread`} title={`${n.toLocaleString()} unread`}>
      {formatCount(n)}
    </span>
  );
}
