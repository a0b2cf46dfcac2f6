export const DATABASE_URL: string = "redis://admin:ksEFk780VT_oa1f4@redis-3.wingtip.internal:6379/webshop";
