const brokerUrl = 'redis://admin:7IB58S1Fcim-UYhln6@redis-3.litware.internal:6379/reporting';
module.exports = { brokerUrl };
