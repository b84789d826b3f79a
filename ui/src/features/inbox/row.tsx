// One row of the inbox list: network, account, author, time (relative; exact in the account's
// zone on hover), language, status, assignee, tags, and the text (direction isolated).
import { signal } from "@preact/signals";
import type { AccountListing_Serialize, Person } from "../../ipc/backend";
import { formatDateTime, formatInZone, formatRelative } from "../../lib/format";
import { RichText } from "../../lib/rich-text";
import { accountLabel } from "../accounts/directory";
import { languageName, STATUS_LABEL } from "./filters";
import type { InboxItem } from "./model";

/** "Now", ticking every 30 s so relative times stay true. */
export const clock = signal(new Date());
let ticking = false;
export function startClock() {
  if (ticking || typeof setInterval === "undefined") return;
  ticking = true;
  setInterval(() => (clock.value = new Date()), 30_000);
}

export function ItemTime(props: { iso: string; zone?: string | undefined; id?: string }) {
  const exact = props.zone ? formatInZone(props.iso, props.zone) : formatDateTime(props.iso);
  return (
    <time dateTime={props.iso} title={`${exact}\nYour time: ${formatDateTime(props.iso)}`} class="item-time" id={props.id}>
      {formatRelative(props.iso, clock.value)}
    </time>
  );
}

export function NetworkMark(props: { network: string }) {
  return (
    <span class={`net net-${props.network}`} title={props.network === "x" ? "X" : "Facebook"} aria-label={props.network === "x" ? "X" : "Facebook"} role="img">
      {props.network === "x" ? "𝕏" : "f"}
    </span>
  );
}

export const KIND_LABEL: Record<string, string> = {
  x_mention: "mention",
  x_reply: "reply",
  fb_comment: "comment",
  fb_visitor_post: "visitor post",
  fb_tagged_post: "tagged post",
  fb_message: "message",
};

export function InboxRow(props: {
  item: InboxItem;
  index: number;
  account: AccountListing_Serialize | undefined;
  assignee: Person | undefined;
  selected: boolean;
  onToggle: (index: number, shift: boolean) => void;
}) {
  const { item: it, account } = props;
  const who = it.author.displayName || (it.author.handle ? `@${it.author.handle}` : "Someone");
  return (
    <div class="inbox-row" data-status={it.status} data-selected={props.selected ? "true" : undefined} data-item-id={it.id}>
      <input
        type="checkbox"
        class="row-check"
        tabIndex={-1}
        aria-hidden="true"
        checked={props.selected}
        onClick={(e) => {
          e.stopPropagation();
          props.onToggle(props.index, (e as MouseEvent).shiftKey);
        }}
      />
      <div class="row-main">
        <div class="row-meta">
          {it.status === "new" && <span class="unread-dot" title="Unread" />}
          <NetworkMark network={it.network} />
          <span class="row-account" title={account?.groupPath.join(" › ")}>
            {account ? accountLabel(account.account) : "Unknown account"}
          </span>
          <span class="muted small">{KIND_LABEL[it.kind] ?? it.kind}</span>
          <bdi class="row-author">{who}</bdi>
          {it.author.handle && it.author.displayName && <span class="muted small row-handle">@{it.author.handle}</span>}
          <span class="spacer" />
          <ItemTime iso={it.createdAt} zone={account?.account.timeZone} />
        </div>
        <RichText class="row-text" text={it.text} lang={it.language} entities={it.entities} />
        <div class="row-facts">
          <span class={`status status-${it.status}`}>{STATUS_LABEL[it.status]}</span>
          {it.language && (
            <span class="lang" title={languageName(it.language)}>
              {it.language}
            </span>
          )}
          {props.assignee && <span class="assignee">→ {props.assignee.displayName}</span>}
          {it.tags.map((t) => (
            <span class="tag" key={t}>
              #<bdi>{t}</bdi>
            </span>
          ))}
          {props.selected && <span class="visually-hidden">Selected</span>}
        </div>
      </div>
    </div>
  );
}
