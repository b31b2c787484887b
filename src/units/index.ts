// Units every stage reads the same way: Go durations, authorities (host:port), ports, addresses.
export * from './duration.js';
export * from './host-port.js';
