export const POSTHOG_PERSONAL_API_KEY: string = "phx_qQOkg6iAcB8a3LZZftDrYhEZ3rAmdMm9NYT9ZIAq4aCLnE3";
