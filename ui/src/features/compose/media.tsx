// Images on a draft: attach through the system file dialog (the core hashes and checks the
// file), describe for screen readers (alt text), remove; previews come from the core as small
// data: URLs (the window may not load local files).
import { useEffect, useState } from "preact/hooks";
import { AppError, type Backend } from "../../ipc";
import type { MediaAttachment_Deserialize } from "../../ipc/backend";
import { useBackend } from "../../state/backend";
import { ErrorNotice } from "../../lib/error-notice";
import { fileName, formatBytes } from "./model";

type Media = MediaAttachment_Deserialize;

const THUMB_PX = 320;
const cache = new Map<string, Promise<string | null>>();

function thumbnail(backend: Backend, m: Media): Promise<string | null> {
  const key = `${m.sha256}:${m.path}`;
  let p = cache.get(key);
  if (!p) {
    p = backend.mediaThumbnail(m.path, m.sha256, THUMB_PX).catch(() => null);
    cache.set(key, p);
  }
  return p;
}

/** A preview of an attached image, or its name, type and size when there is none. */
export function Thumbnail(props: { media: Media; class?: string }) {
  const backend = useBackend();
  const [url, setUrl] = useState<string | null | undefined>(undefined);
  useEffect(() => {
    let live = true;
    void thumbnail(backend, props.media).then((u) => live && setUrl(u));
    return () => {
      live = false;
    };
  }, [backend, props.media.sha256, props.media.path]);
  const name = fileName(props.media.path);
  const alt = props.media.altText || name;
  if (url)
    return <img class={props.class ? `thumb ${props.class}` : "thumb"} src={url} alt={alt} title={name} />;
  return (
    <div class={props.class ? `thumb placeholder ${props.class}` : "thumb placeholder"} role="img" aria-label={alt}>
      <span>{url === undefined ? "…" : name}</span>
    </div>
  );
}

export function MediaEditor(props: { media: Media[]; onChange: (media: Media[]) => void; readOnly?: boolean }) {
  const backend = useBackend();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);

  async function attach() {
    setBusy(true);
    setError(null);
    try {
      const m = await backend.pickMedia();
      if (m) {
        if (props.media.some((x) => x.sha256 === m.sha256)) setError(new AppError("validation", `${fileName(m.path)} is already attached`));
        else props.onChange([...props.media, { ...m, altText: m.altText ?? null }]);
      }
    } catch (e) {
      setError(AppError.from(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="media-editor">
      {props.media.length > 0 && (
        <ul class="media-list" aria-label="Attached images">
          {props.media.map((m, i) => (
            <li key={m.sha256} class="media-item">
              <Thumbnail media={m} />
              <div class="media-facts">
                <strong title={m.path}>{fileName(m.path)}</strong>
                <span class="muted small">
                  {m.mimeType.replace("image/", "").toUpperCase()} · {formatBytes(m.sizeBytes)}
                </span>
                <label class="small">
                  Description for people who cannot see it
                  <input
                    type="text"
                    dir="auto"
                    value={m.altText ?? ""}
                    readOnly={props.readOnly}
                    placeholder="e.g. The ambassador with the mayor of Beirut"
                    onInput={(e) => {
                      const altText = (e.currentTarget as HTMLInputElement).value;
                      props.onChange(props.media.map((x, j) => (j === i ? { ...x, altText: altText || null } : x)));
                    }}
                  />
                </label>
              </div>
              {!props.readOnly && (
                <button
                  type="button"
                  class="secondary small"
                  aria-label={`Remove ${fileName(m.path)}`}
                  onClick={() => props.onChange(props.media.filter((_, j) => j !== i))}
                >
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {!props.readOnly && (
        <button type="button" class="secondary" id="attach-image" onClick={attach} disabled={busy}>
          {busy ? "Choosing…" : "Attach an image…"}
        </button>
      )}
      {error && <ErrorNotice error={error} />}
    </div>
  );
}
