// Loaded by mocha before every spec (see .mocharc.json): decorator metadata needs the polyfill.
import 'reflect-metadata';
