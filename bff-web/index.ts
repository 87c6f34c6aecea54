import { DEFAULT_PORTS, envInt, portVariable, processConfig } from '../lib/config/env';
import { runService } from '../lib/http/main';
import { createWebBff } from './server';

runService('bff-web', { ...processConfig(), port: envInt(portVariable('bff-web'), DEFAULT_PORTS['bff-web'], { max: 65535 }) }, createWebBff);
