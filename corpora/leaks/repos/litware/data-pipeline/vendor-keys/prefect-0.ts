export const PREFECT_API_KEY: string = "pnu_Okg6iAcB8a3LZZftDrYhEZ3rAmdMm9NYT9ZI";
