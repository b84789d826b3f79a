// Text written by the public, shown safely: right-to-left scripts get their own direction
// (dir="auto" isolates each message), the language is declared for correct shaping and fonts,
// and mentions, hashtags and links are highlighted but never fetched or followed in-app.

export interface TextEntities {
  mentions: string[];
  hashtags: string[];
  urls: string[];
}

export type Segment =
  | { kind: "text"; text: string }
  | { kind: "mention" | "hashtag" | "url"; text: string };

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Split text into plain runs and entity runs, using the entities the network reported. */
export function segment(text: string, entities: TextEntities): Segment[] {
  const alternatives: string[] = [];
  for (const m of entities.mentions) if (m) alternatives.push(`@${escapeRe(m)}(?![\\p{L}\\p{N}_])`);
  for (const h of entities.hashtags) if (h) alternatives.push(`[#＃]${escapeRe(h)}(?![\\p{L}\\p{N}_])`);
  for (const u of entities.urls) if (u) alternatives.push(escapeRe(u));
  if (alternatives.length === 0) return text ? [{ kind: "text", text }] : [];
  // Longest first, so a URL containing a hashtag-like fragment wins.
  alternatives.sort((a, b) => b.length - a.length);
  const re = new RegExp(alternatives.join("|"), "giu");
  const out: Segment[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    const at = m.index ?? 0;
    if (at > last) out.push({ kind: "text", text: text.slice(last, at) });
    const t = m[0];
    const kind = t.startsWith("@") ? "mention" : t.startsWith("#") || t.startsWith("＃") ? "hashtag" : "url";
    out.push({ kind, text: t });
    last = at + t.length;
  }
  if (last < text.length) out.push({ kind: "text", text: text.slice(last) });
  return out;
}

export function RichText(props: { text: string; entities?: TextEntities; lang?: string | null; class?: string }) {
  const segments = props.entities ? segment(props.text, props.entities) : [{ kind: "text" as const, text: props.text }];
  const lang = props.lang && props.lang !== "und" ? props.lang : undefined;
  return (
    <bdi class={props.class ? `rich-text ${props.class}` : "rich-text"} dir="auto" lang={lang}>
      {segments.map((s, i) =>
        s.kind === "text" ? (
          s.text
        ) : (
          <span key={i} class={`entity entity-${s.kind}`}>
            {s.text}
          </span>
        ),
      )}
    </bdi>
  );
}
