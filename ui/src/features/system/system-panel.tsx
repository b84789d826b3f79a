import { useState } from "preact/hooks";
import { AppError } from "../../ipc";
import type { SystemCheck } from "../../ipc/backend";
import { useBackend } from "../../state/backend";

export function SystemPanel() {
  const backend = useBackend();
  const [check, setCheck] = useState<SystemCheck | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);

  async function run() {
    setBusy(true);
    setError(null);
    try {
      setCheck(await backend.systemCheck());
    } catch (e) {
      setError(AppError.from(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card" aria-labelledby="system-title">
      <h2 id="system-title">System</h2>
      <button id="system-check" type="button" onClick={run} disabled={busy}>
        {busy ? "Checking…" : "Check system"}
      </button>
      {error && (
        <p class="error" role="alert" data-code={error.code}>
          {error.message}
        </p>
      )}
      {check && (
        <dl id="system-result" class="facts">
          <dt>Version</dt>
          <dd id="system-version">{check.version}</dd>
          <dt>Data folder</dt>
          <dd>{check.dataDir}</dd>
          <dt>Keychain</dt>
          <dd id="system-keychain" data-ok={String(check.keychain.ok)}>
            {check.keychain.ok ? "OK" : "Unavailable"}: {check.keychain.message}
          </dd>
        </dl>
      )}
    </section>
  );
}
