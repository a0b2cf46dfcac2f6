const twilioAuthToken = '1031d129d7144195a07866ff17b635ba';
module.exports = { twilioAuthToken };
