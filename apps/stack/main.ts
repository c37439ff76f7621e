// `npm start`: the whole embedded stack in the foreground until Ctrl-C or SIGTERM.
import { stackPorts } from '../../libs/config/ports';
import { stateDir } from '../../libs/config/paths';
import { stackBanner } from './banner';
import { runInForeground } from './foreground';
import { demoHsmFromEnv } from './demo/demo-tokens';
import { startStack } from './stack';

runInForeground({
  start: () => startStack({ home: stateDir(), ports: stackPorts(), configFile: process.env.KEYSYNC_CONFIG || undefined, demoHsm: demoHsmFromEnv() }),
  banner: stackBanner,
  startFailure: 'could not start',
});
