import json,glob,statistics as st
old={('soup-a70',1000):(5.507,4.484,7.857),('soup-a85',1000):(5.059,4.247,8.274),('fashion-mnist-speedrl',1000):(4.94,4.43,9.11),('fashion-mnist',1000):(7.47,5.77,6.58),('fashion-mnist',1001):(7.78,5.48,7.59)}
res={}
for f in glob.glob('checkpoints/soup-v3/heldout/*-s*.json'):
    d=json.load(open(f)); n=f.split('/')[-1].rsplit('-s',1); s=int(n[1][:-5])
    if set(d['schedules'])!={'3','4','12'}: print('incomplete',f); continue
    res[(n[0],s)]=tuple(d['schedules'][str(t)]['score'] for t in (3,4,12))
for k,v in sorted(res.items()): print(k,[round(x,3) for x in v])
res.update(old)
agg={}
for m in ['fashion-mnist','fashion-mnist-speedrl','soup-a70','soup-a85']:
    rows=[res[(m,s)] for s in (1000,1001,1002) if (m,s) in res]
    agg[m]=[(st.mean(c),st.stdev(c)) for c in zip(*rows)]
    print(m,len(rows),' '.join(f'T{t}={a:.3f}±{b:.3f}' for t,(a,b) in zip((3,4,12),agg[m])))
b12=agg['fashion-mnist'][2]
for m in ['soup-a70','soup-a85','fashion-mnist-speedrl']:
    t3,t12=agg[m][0],agg[m][2]
    s1=max(t12[1],b12[1]); s2=max(t3[1],b12[1])
    print(m,'(a) T12-b12',round(t12[0]-b12[0],3),'2σ',round(2*s1,3),t12[0]-b12[0]<=2*s1,' (b) b12-T3',round(b12[0]-t3[0],3),'2σ',round(2*s2,3),b12[0]-t3[0]>2*s2)
