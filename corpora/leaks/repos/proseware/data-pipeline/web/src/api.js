fetch('https://api.proseware.internal/v1/items', {
  headers: { 'Authorization': 'Bearer nIPcPpOiWumR~-iPCBMf6K5lbm_TiRz6KYPhlmuL' },
});
