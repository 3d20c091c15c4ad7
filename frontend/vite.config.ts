import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The build is committed (frontend_dist/) and checked byte for byte by
// tests/frontend/test_frontend_dist.py, so nothing here may depend on the
// clock or the checkout path: no sourcemaps (they embed paths), content hashes only.
export default defineConfig({
  base: "/",
  plugins: [react()],
  build: {
    outDir: "../frontend_dist",
    emptyOutDir: true,
    sourcemap: false,
    // react-admin + MUI make one large main chunk; recharts is split off lazily.
    chunkSizeWarningLimit: 1600,
  },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:8000",
      "/mlflow": "http://127.0.0.1:8000",
    },
  },
});
