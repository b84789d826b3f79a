// Placeholder until this screen is built (issue 7).
export function SyncScreen(_props: { draftId?: string | undefined }) {
  return <section class="card"><h2>SyncScreen</h2></section>;
}
