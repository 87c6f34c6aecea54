// The app sends the operations of bff-mobile's manifest through bff-mobile's own client library
// (../bff-mobile/client), so Metro must see that folder as well as this one.
const path = require('node:path');
const { getDefaultConfig } = require('expo/metro-config');

const config = getDefaultConfig(__dirname);
config.watchFolders = [path.resolve(__dirname, '..', 'bff-mobile', 'client')];
module.exports = config;
