# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Print, as JSON, what real botocore reads for a profile from the files of the user running it.

  resolve.py PROFILE [--credentials] [--sts]
--credentials resolves the credentials (runs credential_process, assumes roles); --sts calls GetCallerIdentity
(AWS_ENDPOINT_URL_STS points it at a local server).
"""

import json
import sys

import botocore.session


def main():
    profile = sys.argv[1]
    session = botocore.session.Session(profile=profile)
    out = {
        'profiles': sorted(session.available_profiles),
        'config': session.get_scoped_config(),
        'sso_sessions': session.full_config.get('sso_sessions', {}),
    }
    if '--credentials' in sys.argv or '--sts' in sys.argv:
        credentials = session.get_credentials()
        out['method'] = credentials.method
        out['access_key'] = credentials.get_frozen_credentials().access_key
    if '--sts' in sys.argv:
        sts = session.create_client('sts', region_name=out['config'].get('region', 'us-east-1'))
        out['identity'] = sts.get_caller_identity()
        out['identity'].pop('ResponseMetadata', None)
    print(json.dumps(out))
    return 0


if __name__ == '__main__':
    sys.exit(main())
