// The UI's single door to the core.
export { AppError, describeError, unwrap } from "./backend";
export type { Backend, CoreEvent, ErrorCode } from "./backend";
export { tauriBackend } from "./tauri";
