const herokuApiKey = 'HRKU-AA0iZZXBngyYR6afN4CXcSl2erokoyFjNetbZPuUwU7p1bjOalNn9JVjy8bx';
module.exports = { herokuApiKey };
