// Vite's import suffixes (`?worker&url`, `?url`) for the type checker.
/// <reference types="vite/client" />
