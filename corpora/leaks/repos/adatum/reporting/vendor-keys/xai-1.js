const xaiApiKey = 'xai-LYy7iNM8DrS8NSenSGcbgJcBcLftAS29pdjictNS4kNKvHbormmKQFFc4QownNhk27xuOYpiWKOFII2K';
module.exports = { xaiApiKey };
