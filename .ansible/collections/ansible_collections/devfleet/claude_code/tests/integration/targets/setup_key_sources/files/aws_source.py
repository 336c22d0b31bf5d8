# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Create, rotate and delete test secrets and parameters on a moto server with real boto3.

  aws_source.py ENDPOINT secret NAME VALUE       create the secret, or put a new current version (rotation)
  aws_source.py ENDPOINT delete-secret NAME
  aws_source.py ENDPOINT parameter NAME VALUE    put a SecureString parameter (overwrite)
Test keys only: values are arguments here, which a real key must never be.
"""

import sys

import boto3


def main():
    endpoint, action, name = sys.argv[1:4]
    session = boto3.session.Session(aws_access_key_id='testing', aws_secret_access_key='testing',
                                    region_name='us-east-1')
    if action == 'secret':
        client = session.client('secretsmanager', endpoint_url=endpoint)
        try:
            client.put_secret_value(SecretId=name, SecretString=sys.argv[4])
        except client.exceptions.ResourceNotFoundException:
            client.create_secret(Name=name, SecretString=sys.argv[4])
    elif action == 'delete-secret':
        client = session.client('secretsmanager', endpoint_url=endpoint)
        client.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    elif action == 'parameter':
        client = session.client('ssm', endpoint_url=endpoint)
        client.put_parameter(Name=name, Value=sys.argv[4], Type='SecureString', Overwrite=True)
    else:
        sys.exit('unknown action %s' % action)
    return 0


if __name__ == '__main__':
    sys.exit(main())
