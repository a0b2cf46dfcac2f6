fetch('https://api.wingtip.internal/v1/items', {
  headers: { 'Authorization': 'Bearer hNdW2PV2jGaURfriENre493NLPhrxpYhXTE6LQFS' },
});
