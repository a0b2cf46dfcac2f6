const algoliaAdminKey = '42f1d5c8da9396ae8998232a69b51edd';
module.exports = { algoliaAdminKey };
