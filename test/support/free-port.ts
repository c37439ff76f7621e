export { freePort, isPortFree } from '../../libs/config/ports';
