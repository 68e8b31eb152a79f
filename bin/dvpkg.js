#!/usr/bin/env node
import '../dist/bin/dvpkg.js';
