import './tracing';
import { loadConfigOrExit } from '../lib/config/env';
import { runService } from '../lib/http/main';
import { loadWebConfig } from './config';
import { createWebBff } from './server';

const config = loadConfigOrExit('bff-web', loadWebConfig);
runService('bff-web', config.listen, (logger) => createWebBff(config, logger));
