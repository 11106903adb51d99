import { resolve } from "node:path";
import { defineConfig } from "vite";

// Two entries (admin SPA, user portal) share chunks; the built files are served under
// /static/web/ (src/http/routes/ui.ts), so `base` and the output folder mirror that URL.
export default defineConfig({
  root: import.meta.dirname,
  base: "/static/web/",
  resolve: {
    // SWR is written for React; preact/compat provides the hooks it uses (useSyncExternalStore).
    alias: { react: "preact/compat", "react-dom": "preact/compat", "react/jsx-runtime": "preact/jsx-runtime" },
  },
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: resolve(import.meta.dirname, "dist/static/web"),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    rolldownOptions: {
      input: { admin: resolve(import.meta.dirname, "admin.html"), user: resolve(import.meta.dirname, "user.html") },
      // SWR marks its modules "use client" (a React Server Components hint that means nothing here).
      onwarn(warning, warn) {
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
    },
  },
  server: { proxy: { "^/(api|if/flow|flows|static/dist|application)/": "http://localhost:8787" } },
});
