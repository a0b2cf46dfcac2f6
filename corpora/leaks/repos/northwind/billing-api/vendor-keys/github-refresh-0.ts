export const GITHUB_REFRESH_TOKEN: string = "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";
