import { render } from "preact";
import { App } from "./app";
import { tauriBackend } from "./ipc";
import "./styles.css";
import { mark, MARK } from "./lib/perf";

mark(MARK.uiScript);

const root = document.getElementById("app");
if (root) render(<App backend={tauriBackend()} />, root);
