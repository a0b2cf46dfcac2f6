curl -H "Authorization: Basic am9uYXM6cjBSNmRUaG52XzdBdFc3ZjB1Zw==" https://api.adatum.internal/v1/health
