// Request body limits: anything larger is refused with 413 body-too-large before it is parsed.

/** JSON bodies here are small (a sync request, an approval). */
export const jsonBodyLimit = '64kb';

/** Package files carry wrapped keys and certificates: thousands of keys fit well under this. */
export const packageBodyLimit = '64mb';
