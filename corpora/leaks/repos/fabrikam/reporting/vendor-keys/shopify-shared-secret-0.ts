export const SHOPIFY_API_SECRET: string = "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";
