/**
 * The variable that puts `run()` in hub mode, naming the socket to serve on. A module of
 * its own so that the side that starts hubs (`launch/`) can name it without loading the
 * hub itself, and with it the engine.
 */
export const HUB_SOCKET_ENV = 'KCL_TS_HUB_SOCKET';
