#!/usr/bin/env node
import { lintMain } from '../cli.js';

process.exitCode = lintMain(process.argv.slice(2));
