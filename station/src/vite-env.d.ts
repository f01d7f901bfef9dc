// Vite's client types (import.meta.env) for the type checker.
/// <reference types="vite/client" />
