#!/usr/bin/env node
import { fmtMain } from '../cli.js';

process.exitCode = fmtMain(process.argv.slice(2));
