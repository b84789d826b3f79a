// How a post will look on X and on Facebook: the sending account's name, handle and avatar
// initials, the text as that network gets it (with mentions, hashtags and links marked), the
// images. Used by the composer (live) and the review page (exactly what will go out).
import { useState } from "preact/hooks";
import type { AccountListing, MediaAttachment_Deserialize, Network } from "../../ipc/backend";
import { RichText } from "../../lib/rich-text";
import { initials } from "./directory";
import { NETWORK_NAME, NetworkIcon } from "./icons";
import { Thumbnail } from "./media";
import { extractEntities } from "./model";

export interface PreviewReply {
  authorHandle: string | null;
  text: string;
}

export interface PostPreviewProps {
  network: Network;
  text: string;
  media: MediaAttachment_Deserialize[];
  /** The account it goes out from (`null`: no account chosen yet). */
  account: AccountListing | null;
  reply?: PreviewReply | null;
}

function Avatar(props: { name: string; network: Network }) {
  return (
    <div class={`pv-avatar pv-avatar-${props.network}`} aria-hidden="true">
      {initials(props.name)}
    </div>
  );
}

function Images(props: { media: MediaAttachment_Deserialize[] }) {
  if (props.media.length === 0) return null;
  return (
    <div class={`pv-media n${Math.min(props.media.length, 4)}`}>
      {props.media.slice(0, 4).map((m) => (
        <Thumbnail key={m.sha256} media={m} class="pv-img" />
      ))}
      {props.media.length > 4 && <span class="pv-more">+{props.media.length - 4}</span>}
    </div>
  );
}

export function PostPreview(props: PostPreviewProps) {
  const a = props.account?.account;
  const name = a?.displayName ?? (props.network === "x" ? "Your account" : "Your Page");
  const lang = a?.language;
  const body = props.text.trim() ? (
    <RichText text={props.text} entities={extractEntities(props.text)} lang={lang ?? null} class="pv-text" />
  ) : (
    <p class="muted pv-text">Nothing written yet.</p>
  );
  if (props.network === "x") {
    return (
      <article class="preview preview-x" aria-label={`How it will look on X${a ? ` from @${a.handle}` : ""}`} data-network="x">
        <Avatar name={name} network="x" />
        <div class="pv-body">
          <div class="pv-head">
            <bdi class="pv-name" dir="auto">
              {name}
            </bdi>
            <span class="muted">
              {a ? `@${a.handle}` : "@handle"} · now
            </span>
          </div>
          {props.reply && (
            <div class="muted small pv-replying">
              Replying to {props.reply.authorHandle ? `@${props.reply.authorHandle}` : "a post"}
            </div>
          )}
          {body}
          <Images media={props.media} />
          <div class="pv-actions muted" aria-hidden="true">
            <span>Reply</span>
            <span>Repost</span>
            <span>Like</span>
            <span>Share</span>
          </div>
        </div>
      </article>
    );
  }
  return (
    <article class="preview preview-fb" aria-label={`How it will look on Facebook${a ? ` from ${a.displayName}` : ""}`} data-network="facebook">
      <header class="pv-fb-head">
        <Avatar name={name} network="facebook" />
        <div>
          <bdi class="pv-name" dir="auto">
            {name}
          </bdi>
          <div class="muted small">{props.reply ? "Comment · now" : "Just now · Public"}</div>
        </div>
      </header>
      {props.reply && (
        <blockquote class="pv-quoted muted small">
          <RichText text={props.reply.text} />
        </blockquote>
      )}
      {body}
      <Images media={props.media} />
      <footer class="pv-actions muted" aria-hidden="true">
        <span>Like</span>
        <span>Comment</span>
        <span>Share</span>
      </footer>
    </article>
  );
}

export interface PreviewPanelProps {
  /** The text each network gets. */
  textFor: (network: Network) => string;
  media: MediaAttachment_Deserialize[];
  /** The target accounts (the preview shows one of them per network). */
  accounts: AccountListing[];
  reply?: PreviewReply | null;
  /** Show every network in a column instead of tabs (the review page). */
  stacked?: boolean;
  idPrefix?: string;
}

/** Previews for every network among the targets (both when there are none yet). */
export function PreviewPanel(props: PreviewPanelProps) {
  const networks: Network[] = (["x", "facebook"] as Network[]).filter(
    (n) => props.accounts.length === 0 || props.accounts.some((a) => a.account.network === n),
  );
  const [tab, setTab] = useState<Network>(networks[0] ?? "x");
  const [chosen, setChosen] = useState<Record<string, string>>({});
  const current = networks.includes(tab) ? tab : (networks[0] ?? "x");
  const prefix = props.idPrefix ?? "preview";

  const one = (n: Network) => {
    const list = props.accounts.filter((a) => a.account.network === n);
    const account = list.find((a) => a.account.id === chosen[n]) ?? list[0] ?? null;
    return (
      <div class="pv-one" key={n}>
        {list.length > 1 && (
          <label class="small pv-from">
            As seen from{" "}
            <select
              value={account?.account.id}
              onChange={(e) => setChosen({ ...chosen, [n]: (e.currentTarget as HTMLSelectElement).value })}
            >
              {list.map((a) => (
                <option key={a.account.id} value={a.account.id}>
                  {n === "x" ? `@${a.account.handle}` : a.account.displayName}
                </option>
              ))}
            </select>
            <span class="muted"> ({list.length} accounts)</span>
          </label>
        )}
        <PostPreview network={n} text={props.textFor(n)} media={props.media} account={account} reply={props.reply ?? null} />
      </div>
    );
  };

  if (props.stacked) {
    return (
      <div class="preview-panel stacked">
        {networks.map((n) => (
          <section key={n} aria-label={`On ${NETWORK_NAME[n]}`}>
            <h4 class="pv-title">
              <NetworkIcon network={n} decorative /> On {NETWORK_NAME[n]}
            </h4>
            {one(n)}
          </section>
        ))}
      </div>
    );
  }

  return (
    <div class="preview-panel">
      <div role="tablist" aria-label="Preview on" class="tabs small-tabs">
        {networks.map((n) => (
          <button
            type="button"
            role="tab"
            key={n}
            id={`${prefix}-tab-${n}`}
            aria-selected={current === n}
            aria-controls={`${prefix}-panel`}
            tabIndex={current === n ? 0 : -1}
            onClick={() => setTab(n)}
            onKeyDown={(e) => {
              if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
                const i = networks.indexOf(current);
                const next = networks[(i + (e.key === "ArrowRight" ? 1 : networks.length - 1)) % networks.length] ?? current;
                setTab(next);
                document.getElementById(`${prefix}-tab-${next}`)?.focus();
              }
            }}
          >
            <NetworkIcon network={n} decorative /> {NETWORK_NAME[n]}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${prefix}-panel`} aria-labelledby={`${prefix}-tab-${current}`}>
        {one(current)}
      </div>
    </div>
  );
}
