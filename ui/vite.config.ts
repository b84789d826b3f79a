/// <reference types="vitest/config" />
import { defineConfig } from "vite";

// Preact's JSX is compiled by Vite's own transformer (no framework plugin needed).
export default defineConfig({
  base: "./",
  clearScreen: false,
  oxc: {
    jsx: { runtime: "automatic", importSource: "preact" },
  },
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
  test: {
    environment: "happy-dom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/testing/setup.ts"],
  },
});
