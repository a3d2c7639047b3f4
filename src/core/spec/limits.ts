// Size bounds on what a flow author (often an AI assistant) may submit. Untrusted input is
// bounded before anything else looks at it.

export const FLOW_LIMITS = {
  /** Largest flow document, in bytes of YAML or JSON. */
  maxDocumentBytes: 1024 * 1024,
  /** Most tasks in one flow, nested ones included. */
  maxTasks: 5000,
  /** Deepest nesting of task lists. */
  maxDepth: 32,
  /** Largest run inputs, in bytes of JSON. */
  maxInputBytes: 1024 * 1024,
} as const;
