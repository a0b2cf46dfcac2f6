const secretKey = 'aVRVbp0AljrwG3DugITm6niQr';
module.exports = { secretKey };
