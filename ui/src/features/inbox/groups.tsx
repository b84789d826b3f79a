// The inbox's left column: every group (regions > posts, ministers, ambassadors) and account
// with its unread count; choosing one narrows the inbox to it.
import { useEffect, useState } from "preact/hooks";
import { formatCount } from "../../lib/format";
import { accountLabel, type Directory } from "../accounts/directory";
import type { CountsView } from "./counts";
import { NetworkMark } from "./row";

function Count(props: { n: number | undefined; label: string }) {
  if (!props.n) return null;
  return (
    <span class="badge count" aria-label={`${props.n} unread`} title={`${props.n.toLocaleString()} unread in ${props.label}`}>
      {formatCount(props.n)}
    </span>
  );
}

export function GroupTree(props: {
  dir: Directory | null;
  counts: CountsView | null;
  groupIds: string[];
  accountIds: string[];
  onAll: () => void;
  onGroup: (id: string) => void;
  onAccount: (id: string) => void;
}) {
  const { dir, counts } = props;
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set(dir?.tree.map((n) => n.group.id) ?? []));
  const loaded = dir !== null;
  useEffect(() => {
    // Top-level groups start expanded.
    if (dir) setOpen(new Set(dir.tree.map((n) => n.group.id)));
  }, [loaded]);
  if (!dir) return <nav class="group-tree" aria-label="Groups and accounts" aria-busy="true" />;
  const nothingChosen = props.groupIds.length === 0 && props.accountIds.length === 0;

  const toggle = (id: string) => {
    const next = new Set(open);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setOpen(next);
  };

  const renderGroup = (id: string) => {
    const g = dir.groupById.get(id);
    if (!g) return null;
    const expanded = open.has(id);
    const accounts = dir.accountsInGroup.get(id) ?? [];
    const hasChildren = g.children.length > 0 || accounts.length > 0;
    return (
      <li key={id} role="none">
        <div class="tree-line" style={{ paddingInlineStart: `${g.depth * 12}px` }}>
          {hasChildren ? (
            <button
              type="button"
              class="tree-twisty"
              aria-expanded={expanded}
              aria-label={`${expanded ? "Collapse" : "Expand"} ${g.name}`}
              onClick={() => toggle(id)}
            >
              {expanded ? "▾" : "▸"}
            </button>
          ) : (
            <span class="tree-twisty" aria-hidden="true" />
          )}
          <button
            type="button"
            class="tree-item"
            data-group-id={id}
            aria-pressed={props.groupIds.includes(id)}
            onClick={() => props.onGroup(id)}
          >
            <bdi class="tree-name">{g.name}</bdi>
            <Count n={counts?.group.get(id)?.unread} label={g.name} />
          </button>
        </div>
        {expanded && (
          <ul role="group">
            {g.children.map(renderGroup)}
            {accounts.map((aid) => {
              const a = dir.accountById.get(aid);
              if (!a) return null;
              return (
                <li key={aid} role="none">
                  <div class="tree-line" style={{ paddingInlineStart: `${(g.depth + 1) * 12}px` }}>
                    <span class="tree-twisty" aria-hidden="true" />
                    <button
                      type="button"
                      class="tree-item account"
                      data-account-id={aid}
                      aria-pressed={props.accountIds.includes(aid)}
                      onClick={() => props.onAccount(aid)}
                    >
                      <NetworkMark network={a.account.network} />
                      <bdi class="tree-name">{accountLabel(a.account)}</bdi>
                      <Count n={counts?.account.get(aid)?.unread} label={accountLabel(a.account)} />
                    </button>
                  </div>
                </li>
              );
            })}
          </ul>
        )}
      </li>
    );
  };

  return (
    <nav class="group-tree" aria-label="Groups and accounts" id="group-tree">
      <ul>
        <li role="none">
          <div class="tree-line">
            <button type="button" class="tree-item all" aria-pressed={nothingChosen} onClick={props.onAll} id="tree-all">
              <span class="tree-name">All accounts</span>
              <Count n={counts?.totalUnread} label="all accounts" />
            </button>
          </div>
        </li>
        {dir.tree.map((n) => renderGroup(n.group.id))}
      </ul>
    </nav>
  );
}
