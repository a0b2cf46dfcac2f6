export const AUTH_TOKEN: string = "$DB_PASS";
