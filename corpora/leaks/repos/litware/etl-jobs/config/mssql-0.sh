export CONNECTION_URL="mssql://admin:1QCAGzER4ku5FgV_0kGG@mssql-2.litware.internal:1433/payments"
