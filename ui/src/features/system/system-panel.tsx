import { useState } from "preact/hooks";
import { AppError } from "../../ipc";
import type { SystemCheck } from "../../ipc/backend";
import { useBackend } from "../../state/backend";
import { workspace } from "../../state/session";

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
      {workspace.value && (
        <dl id="system-workspace" class="facts">
          <dt>Workspace</dt>
          <dd id="system-workspace-name">
            {workspace.value.name}
            {workspace.value.rehearsal ? " (rehearsal on the built-in sandbox)" : ""}
          </dd>
          <dt>X API</dt>
          <dd id="system-x-api">{workspace.value.xApiBase}</dd>
          <dt>Graph API</dt>
          <dd id="system-graph-api">{workspace.value.graphApiBase}</dd>
        </dl>
      )}
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
