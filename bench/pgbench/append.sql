-- One transaction = one new stream row + one event row (a ~300-byte jsonb body like a payment event), in a single
-- statement: the fewest round trips PostgreSQL allows for this work, so the baseline is the database's own ceiling.
\set amount random(1000, 25000)
with s as (
    insert into bench_pgbench.streams (id, type, version) values (gen_random_uuid(), 'payment', 1) returning id
)
insert into bench_pgbench.events (id, stream_id, version, data, type, mt_dotnet_type)
select gen_random_uuid(), s.id, 1,
       jsonb_build_object('PaymentId', s.id, 'CheckoutPaymentId', 'pay_pgbench', 'ActionId', 'act_pgbench',
                          'Amount', :amount, 'ResponseCode', '10000', 'At', now(),
                          'Request', jsonb_build_object('Amount', :amount, 'Currency', 'KWD', 'Reference', 'ORD-00001',
                                                        'Language', 'en', 'CustomerEmail', 'buyer@example.com')),
       'payment_captured', 'Payments.Domain.PaymentCaptured, Payments.Domain'
from s;
