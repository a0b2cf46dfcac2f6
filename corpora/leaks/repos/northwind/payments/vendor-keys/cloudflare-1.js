const cloudflareApiToken = 'cfut_YuBhNptSkRrnwowEslagRxStuIcUoaZZ2M56Kc6h72e227c7';
module.exports = { cloudflareApiToken };
